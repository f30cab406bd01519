/**
 * Removes what a compose project left behind: `compose down -v` removes only the volumes of the
 * services it stops (with profiles, docker-compose 1.29 creates every declared volume), and a
 * project used only with `run --rm` keeps its network. Left there, each test run adds a network,
 * until Docker has no address pool left for a new one.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const exec = promisify(execFile);

async function ids(kind: "container" | "network" | "volume", project: string): Promise<string[]> {
  const list = kind === "container" ? ["ps", "-aq"] : [kind, "ls", "-q"];
  const { stdout } = await exec("docker", [...list, "--filter", `label=com.docker.compose.project=${project}`]);
  return stdout.split("\n").filter(Boolean);
}

/** Removes the containers, networks and volumes labelled with the compose project's name. */
export async function removeComposeProject(project: string): Promise<void> {
  for (const kind of ["container", "network", "volume"] as const) {
    const found = await ids(kind, project);
    if (found.length === 0) continue;
    const remove = kind === "container" ? ["rm", "-f"] : [kind, "rm"];
    await exec("docker", [...remove, ...found]).catch(() => undefined);
  }
}
