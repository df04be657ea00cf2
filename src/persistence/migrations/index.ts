import { Migration20261125000000 } from './Migration20261125000000.js';
import { Migration20261125010000 } from './Migration20261125010000.js';
import { Migration20261125020000 } from './Migration20261125020000.js';
import { Migration20261125030000 } from './Migration20261125030000.js';
import { Migration20261125040000 } from './Migration20261125040000.js';
import { Migration20261206000000 } from './Migration20261206000000.js';
import { Migration20261207110000 } from './Migration20261207110000.js';
import { Migration20261207120000 } from './Migration20261207120000.js';
import { Migration20261207121000 } from './Migration20261207121000.js';
import { Migration20261207130000 } from './Migration20261207130000.js';
import { Migration20261207140000 } from './Migration20261207140000.js';
import { Migration20261207160000 } from './Migration20261207160000.js';
import { Migration20261207170000 } from './Migration20261207170000.js';
import { Migration20261207190000 } from './Migration20261207190000.js';
import { Migration20261207191000 } from './Migration20261207191000.js';
import { Migration20261207210000 } from './Migration20261207210000.js';
import { Migration20261207220000 } from './Migration20261207220000.js';
import { Migration20261207240000 } from './Migration20261207240000.js';

/** Every committed migration, in order. Listed explicitly so that tsx and compiled builds agree. */
export const migrations = [
  { name: 'Migration20261125000000', class: Migration20261125000000 },
  { name: 'Migration20261125010000', class: Migration20261125010000 },
  { name: 'Migration20261125020000', class: Migration20261125020000 },
  { name: 'Migration20261125030000', class: Migration20261125030000 },
  { name: 'Migration20261125040000', class: Migration20261125040000 },
  { name: 'Migration20261206000000', class: Migration20261206000000 },
  { name: 'Migration20261207110000', class: Migration20261207110000 },
  { name: 'Migration20261207120000', class: Migration20261207120000 },
  { name: 'Migration20261207121000', class: Migration20261207121000 },
  { name: 'Migration20261207130000', class: Migration20261207130000 },
  { name: 'Migration20261207140000', class: Migration20261207140000 },
  { name: 'Migration20261207160000', class: Migration20261207160000 },
  { name: 'Migration20261207170000', class: Migration20261207170000 },
  { name: 'Migration20261207190000', class: Migration20261207190000 },
  { name: 'Migration20261207191000', class: Migration20261207191000 },
  { name: 'Migration20261207210000', class: Migration20261207210000 },
  { name: 'Migration20261207220000', class: Migration20261207220000 },
  { name: 'Migration20261207240000', class: Migration20261207240000 },
];
