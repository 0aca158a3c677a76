// What `lab test --backend docker` does before the suite (loaded when asked): an engine that answers (set up when none runs) and the node image (built offline when missing), each step said.
import { chooseBackend } from '../../lab/backend-choice.js';
import { ensureLabImage } from '../../backends/docker/image/build.js';
import { setupReporter } from '../../backends/docker/setup.js';
import { progress, spinnerEnabled } from '../spinner.js';

export async function prepareDocker(): Promise<void> {
  const spin = progress('test: the Docker engine');
  const step = setupReporter(spin.step);
  try {
    const chosen = await chooseBackend('docker', { onStep: spin.step });
    step(`test: ${chosen.reason}`);
    const image = await ensureLabImage({ onStep: step, onLine: spin.step });
    const ready = `test: Docker ready, node image ${image.tag}${image.built ? ` built with ${image.method} in ${image.seconds.toFixed(0)} s` : ''}`;
    if (spinnerEnabled()) spin.succeed(ready);
    else step(ready);
  } catch (err) {
    spin.fail();
    throw err;
  }
}
