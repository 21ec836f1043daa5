// node's fs.constants (F_OK, R_OK, COPYFILE_EXCL, O_* ...), which the node:fs facade hands
// to the libraries it stands under, as node:fs does. The one import of node:fs in this
// package: a table of numbers, no storage is reached through it (the facade's files go
// through the Fs it is given).

import { constants } from 'node:fs';

/** node's fs.constants, as the running Node defines them. */
export const fsConstants: typeof constants = constants;
