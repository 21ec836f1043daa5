// The chained batch (`db.batch().put(..).del(..).write()`), built directly on an engine
// WriteBatch: operations are copied into it as they are added and committed atomically by
// write() (one write-ahead-log record).

import { AbstractChainedBatch } from 'abstract-level';
import type { Tree, WriteBatch } from '@lsm/engine';
import { engineCall } from './errors.js';
import type { Encoded } from './output-format.js';

// abstract-level's types declare the constructor with the database only; it also takes
// options, of which `add: false` selects the _put/_del interface (not _add).
const ChainedBatchBase = AbstractChainedBatch as unknown as new (db: unknown, options: { add: boolean }) => AbstractChainedBatch<unknown, unknown, unknown>;

/** A chained batch of an LsmLevel. */
export class LsmChainedBatch extends ChainedBatchBase {
  private batch: WriteBatch;

  constructor(db: unknown, tree: Tree) {
    super(db, { add: false });
    this.batch = tree.batch();
  }

  _put(key: Encoded, value: Encoded): void {
    engineCall(() => this.batch.put(key, value));
  }

  _del(key: Encoded): void {
    engineCall(() => this.batch.delete(key));
  }

  _clear(): void {
    this.batch.clear();
  }

  async _write(options: { sync?: boolean }): Promise<void> {
    engineCall(() => this.batch.commit(options.sync === undefined ? undefined : { sync: options.sync }));
  }
}
