import type { KycSubmission } from '../../../../src/engine/compliance/kyc/kyc-submission.js';

/** Anna Maria Eriksson of the ICAO specimens, as she would submit herself (with a real country). */
export const ANNA: KycSubmission = {
  legalName: { givenNames: 'Anna Maria', surname: 'Eriksson' },
  dateOfBirth: '1974-08-12',
  nationality: 'SE',
  countryOfResidence: 'SE',
  address: { line1: 'Storgatan 1', city: 'Stockholm', postalCode: '111 22', country: 'SE' },
  document: { type: 'passport', number: 'L898902C3' },
  sourceOfFunds: { kind: 'salary' },
  tradingProfile: { expectedMonthlyNotionalUsd: 50_000 },
};

export const TD3 = 'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10';
export const TD1 = 'I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<';
