export { Journal, type JournalRecovery } from './journal.js';
export { replayJournal, replayBuffer, rebuildState } from './replay.js';
export type { JournalRecord, JournalOptions, JournalStats, FsyncPolicy, OpenOrder, Replayed } from './types.js';
export { MAGIC as JOURNAL_MAGIC, VERSION as JOURNAL_VERSION, MAX_RECORD_BYTES as JOURNAL_MAX_RECORD_BYTES } from './format.js';
