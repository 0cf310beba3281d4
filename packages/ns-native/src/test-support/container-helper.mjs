// A separate process that runs one container from the built package, for tests that need a
// process of their own: inherited non-CLOEXEC fds (stdio pipes beyond 2 arrive without
// FD_CLOEXEC) and PDEATHSIG (the test SIGKILLs this process). Reports on stderr:
// "pid <n>" once the container is started, "exit <json>" when it ends.
import { createContainerProcess } from '../../dist/index.js';

const spec = JSON.parse(process.argv[2]);
const proc = await createContainerProcess(spec);
await proc.start();
process.stderr.write(`pid ${proc.pid}\n`);
process.stderr.write(`exit ${JSON.stringify(await proc.wait())}\n`);
