/**
 * Removes what a compose project left behind: `compose down -v` removes only the volumes of the
 * services it stops (with profiles, docker-compose 1.29 creates every declared volume), and a
 * project used only with `run --rm` keeps its network. Left there, each test run adds a network,
 * until Docker has no address pool left for a new one.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const exec = promisify(execFile);

/** Never throws: it runs in `finally` blocks, where an error would hide the test's own failure. */
async function docker(args: string[]): Promise<string> {
  try {
    return (await exec("docker", args)).stdout;
  } catch (err) {
    console.warn(`cleanup: docker ${args.join(" ")} failed: ${(err as Error).message}`);
    return "";
  }
}

/** Removes the containers, networks and volumes labelled with the compose project's name. */
export async function removeComposeProject(project: string): Promise<void> {
  const label = `label=com.docker.compose.project=${project}`;
  for (const kind of ["container", "network", "volume"] as const) {
    const list = kind === "container" ? ["ps", "-aq"] : [kind, "ls", "-q"];
    const found = (await docker([...list, "--filter", label])).split("\n").filter(Boolean);
    if (found.length === 0) continue;
    await docker([...(kind === "container" ? ["rm", "-f"] : [kind, "rm"]), ...found]);
  }
}
