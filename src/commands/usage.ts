/** What `--help` prints: the commands, how to run them with Docker, and where the settings are explained. */

export const COMMANDS = ["backup", "verify", "restore", "status"] as const;

export const USAGE = `usage: node dist/main.js [backup|verify|restore|status [--json]]
  (no argument)     back up once, or on BACKUP_SCHEDULE (cron) until stopped
  backup            back up once now, whatever BACKUP_SCHEDULE says
  verify            compare source and destination; exit 0 when they match
  restore           copy the backup (DEST_*) back to RESTORE_URL, or to the source
  status [--json]   the last run and each measurement's lag, from STATE_DIR (no server
                    contacted); exit 0 all well, 1 failed run, lag above MAX_LAG or no run yet
  help, -h, --help  this text
  --version, -v     the version
`;

export function helpText(version: string): string {
  return `influxdb-backup ${version}: backs up an InfluxDB 1.x server into a second InfluxDB 1.x server.

${USAGE}
Settings come from the environment and from a .env file in the working directory
(real environment variables win). Exit codes: 0 success or clean stop, 1 a backup,
verification or restore failed, 2 invalid configuration.

With Docker Compose (the .env beside docker-compose.yaml):
  docker compose --profile production up -d                    the scheduled service
  docker compose run --rm backup-service backup                back up once now
  docker compose run --rm backup-service verify                compare source and destination
  docker compose run --rm backup-service restore               copy the backup back
  docker compose run --rm backup-service status                how the last run went

With the image alone (on the Docker network of the InfluxDB servers):
  docker run --rm --network <net> --env-file .env influxdb-backup:latest backup

Every variable, with its default: docs/reference.md. Start with README.md, and copy
.env-example to .env.
`;
}
