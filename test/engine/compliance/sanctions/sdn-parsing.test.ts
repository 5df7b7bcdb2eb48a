import { describe, expect, it } from 'vitest';
import { parseCsvRows } from '../../../../src/engine/compliance/sanctions/csv.js';
import { parseDatesOfBirth, parseDobValue, parseNationalities } from '../../../../src/engine/compliance/sanctions/remarks.js';
import { parseSdnList } from '../../../../src/engine/compliance/sanctions/sdn-parse.js';
import { realIndex } from './real-list.js';

describe('the SDN CSV files', () => {
  it('reads quoted fields with commas and doubled quotes, CRLF line ends, and no header', () => {
    expect(parseCsvRows('1,"A, B","say ""hi""",-0- \r\n2,x,,\r\n')).toEqual([['1', 'A, B', 'say "hi"', '-0- '], ['2', 'x', '', '']]);
    expect(parseCsvRows('1,a\r\n\x1a')).toEqual([['1', 'a']]);
  });

  it('joins aliases, addresses and remark continuations to their entry, and counts rows naming no entry', () => {
    const { entries, skippedRows } = parseSdnList({
      sdn: '7,"DOE, John","individual","SDGT] [IRAN",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 12 Mar 1967; nationality Ir"\r\n',
      alt: '7,1,"aka","DOE, Johnny",-0- \r\n8,2,"fka","NOBODY",-0- \r\n',
      add: '7,3,-0- ,"Tehran","Iran",-0- \r\n',
      comments: '7,"an; alt. DOB circa 1970."\r\n',
    });
    expect(skippedRows).toBe(1);
    expect(entries).toHaveLength(1);
    const e = entries[0]!;
    expect(e).toMatchObject({ entNum: 7, name: 'DOE, John', type: 'individual', programs: ['SDGT', 'IRAN'], aliases: [{ kind: 'aka', name: 'DOE, Johnny' }], addresses: [{ cityStatePostal: 'Tehran', country: 'Iran' }] });
    expect(e.nationalities).toEqual(['Iran']);
    expect(e.datesOfBirth.map((d) => [d.from, d.to])).toEqual([['1967-03-12', '1967-03-12'], ['1968-01-01', '1972-12-31']]);
  });

  it('reads every form of date of birth the remarks use, and ignores what is not one', () => {
    expect(parseDobValue('12 Mar 1967')).toMatchObject({ from: '1967-03-12', to: '1967-03-12', precision: 'day' });
    expect(parseDobValue('Mar 1967')).toMatchObject({ from: '1967-03-01', to: '1967-03-31', precision: 'month' });
    expect(parseDobValue('1967')).toMatchObject({ from: '1967-01-01', to: '1967-12-31', precision: 'year' });
    expect(parseDobValue('1960 to 1962')).toMatchObject({ from: '1960-01-01', to: '1962-12-31', precision: 'range' });
    expect(parseDobValue('01 Jan 1960 to 31 Dec 1962')).toMatchObject({ from: '1960-01-01', to: '1962-12-31' });
    expect(parseDobValue('circa 1955')).toMatchObject({ from: '1953-01-01', to: '1957-12-31', precision: 'circa' });
    expect(parseDobValue('31 Feb 1960')).toBeUndefined();
    expect(parseDobValue('sometime in the sixties')).toBeUndefined();
    expect(parseDatesOfBirth('DOB 30 Jul 1957; alt. DOB 1958; POB Jeddah, Saudi Arabia.').map((d) => d.text)).toEqual(['30 Jul 1957', '1958']);
    expect(parseNationalities('nationality Korea, North; alt. nationality Iran; citizen Iran.')).toEqual(['Korea, North', 'Iran']);
  });

  it('loads the whole real list: every entry, alias and address, and the dates of birth of its individuals', () => {
    const index = realIndex();
    expect(index.version).toMatchObject({ entries: 8976, aliases: 11910, addresses: 13837, skippedRows: 0 });
    expect(index.version.datesOfBirth).toBeGreaterThan(5000);
    const binLadin = index.entries.find((e) => e.entNum === 6365)!;
    expect(binLadin.name).toBe('BIN LADIN, Usama bin Muhammad bin Awad');
    expect(binLadin.aliases.map((a) => a.name)).toContain('BIN LADEN, Osama');
    expect(binLadin.datesOfBirth.map((d) => d.text)).toEqual(['30 Jul 1957', '1958']);
    const cuba = index.entries.find((e) => e.entNum === 306)!;
    expect(cuba).toMatchObject({ type: 'entity', programs: ['CUBA'] });
    expect(cuba.addresses.map((a) => a.country)).toContain('Switzerland');
  });
});
