// What a shell command works with: the lab, the background bench, the screen, and a way out.
import type { RunningLab } from '../lab/running-lab.js';
import type { BackgroundBench } from './background-bench.js';
import type { PromptScreen } from './screen.js';

export interface ShellContext {
  lab: RunningLab;
  bench: BackgroundBench;
  screen: PromptScreen;
  /** leaves the shell, as `exit` or Ctrl-D */
  leave(): void;
}
