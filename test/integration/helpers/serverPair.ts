/** A source and a destination InfluxDB for one test file, and the environment that points a backup at them. */
import { startInflux, type InfluxServer } from "./influxServer";

export interface ServerPair {
  source: InfluxServer;
  dest: InfluxServer;
  envFor(src: string, dst: string, extra?: Record<string, string>): Record<string, string>;
}

export function useServerPair(groupBy: string): ServerPair {
  const pair: Partial<ServerPair> & Pick<ServerPair, "envFor"> = {
    envFor(src: string, dst: string, extra: Record<string, string> = {}) {
      return {
        SOURCE_URL: pair.source!.url,
        SOURCE_DBS: src,
        DEST_URL: pair.dest!.url,
        DEST_DBS: dst,
        SOURCE_GROUP_BY: groupBy,
        ...extra,
      };
    },
  };
  beforeAll(async () => {
    [pair.source, pair.dest] = await Promise.all([startInflux(), startInflux()]);
  });
  afterAll(async () => {
    await Promise.all([pair.source?.stop(), pair.dest?.stop()]);
  });
  return pair as ServerPair;
}
