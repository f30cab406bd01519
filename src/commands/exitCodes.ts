/** Exit codes: 0 success or clean stop, 1 a backup failed, 2 invalid configuration. */
export const EXIT_OK = 0;
export const EXIT_BACKUP_FAILED = 1;
export const EXIT_INVALID_CONFIG = 2;
