import { migration0001 } from './0001_initial.js';
import { migration0002 } from './0002_outputs_and_tags.js';
import { migration0003 } from './0003_one_event_per_name.js';
import { migration0004 } from './0004_xta_channel.js';
import { migration0005 } from './0005_channel_neutral_row.js';
import { migration0006 } from './0006_audit_chains.js';
import { migration0007 } from './0007_dms_confirmations.js';
import { migration0009 } from './0009_audit_time_index.js';
import { migration0010 } from './0010_attempt_duration.js';
import { migration0012 } from './0012_upstreams.js';
import { migration0013 } from './0013_delegations.js';
import { migration0014 } from './0014_callbacks.js';
import { migration0015 } from './0015_data_lifecycle.js';
import { migration0016 } from './0016_xta_upstreams.js';
import { migration0017 } from './0017_blob_reference_indexes.js';
import { migration0018 } from './0018_upstream_missing_attachments.js';
import { migration0019 } from './0019_not_picked_up_data.js';
import { migration0020 } from './0020_upstream_failures.js';
import { migration0021 } from './0021_upstream_closes.js';

export interface Migration {
  readonly id: string;
  readonly sql: (quotedSchema: string) => string;
}

/** All migrations in the order they are applied; append new ones, never edit an applied one. */
export const MIGRATIONS: readonly Migration[] = [migration0001, migration0002, migration0003, migration0004, migration0005, migration0006, migration0007, migration0009, migration0010, migration0012, migration0013, migration0014, migration0015, migration0016, migration0017, migration0018, migration0019, migration0020, migration0021];
