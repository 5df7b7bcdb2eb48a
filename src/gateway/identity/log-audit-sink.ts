/**
 * The security audit sink of an engine without a journal (PERSISTENCE=memory): each event as one
 * log line. Durable engines use the journal's hash-chained trail (journalAuditSink) instead; this
 * one keeps the events visible where nothing is stored, which is all memory mode promises.
 */
import type { LogFn } from '../../engine/log.js';
import type { AuditSink } from './ports.js';

export function logAuditSink(log: LogFn): AuditSink {
  return async (e) => log('info', 'security event', { audit: true, actor: e.actor, action: e.action, entityType: e.entityType, entityId: e.entityId, before: e.before, after: e.after });
}
