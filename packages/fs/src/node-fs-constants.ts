// node's fs.constants (F_OK, R_OK, COPYFILE_EXCL, O_* ...), re-exported by the one package
// that may import node:fs, for code that imitates node:fs without reaching the disk (the
// @lsm/crashfs facade hands them to the libraries it stands under). A table of numbers.

import { constants } from 'node:fs';

/** node's fs.constants, as the running Node defines them. */
export const nodeFsConstants: typeof constants = constants;
