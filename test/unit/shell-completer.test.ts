// The shell's tab completion and line splitting, pure: commands, node names, fixed words, bench flags; shell-like quoting.
import t from 'tap';
import { COMMANDS } from '../../src/shell/commands.js';
import { complete } from '../../src/shell/completer.js';
import { splitWords } from '../../src/shell/words.js';
import { UsageError } from '../../src/util/errors.js';

const NODES = ['client', 'router', 'dispatcher', 's0', 's1', 's2', 's3'];
const c = (line: string) => complete(line, COMMANDS, NODES);

t.test('the first word completes to a command (or a node name)', async (t) => {
  t.same(c('kil'), [['kill '], 'kil'], 'one match gets its trailing space');
  t.same(c('st'), [['status', 'stop'], 'st'], 'several: the candidates, sorted');
  t.same(c('  rev'), [['revive '], 'rev'], 'leading blanks');
  t.same(c('cl'), [['client '], 'cl'], 'a node name runs a command in it');
  t.same(c('zz'), [[], 'zz']);
  const all = c('')[0];
  for (const name of ['help', 'status', 'nodes', 'kill', 'stop', 'revive', 'link', 'loss', 'exec', 'dispatch', 'counters', 'bench', 'exit', 'quit']) t.ok(all.includes(name), `${name} offered on an empty line`);
});

t.test('node arguments complete to the lab\'s node names', async (t) => {
  t.same(c('kill s'), [['s0', 's1', 's2', 's3'], 's']);
  t.same(c('kill s2'), [['s2 '], 's2']);
  t.same(c('revive d'), [['dispatcher '], 'd']);
  t.same(c('exec '), [[...NODES].sort(), '']);
  t.same(c('counters r'), [['router '], 'r']);
  t.same(c('kill s1 '), [[], ''], 'no second argument');
  t.same(c('exec s0 ip'), [[], 'ip'], 'the command inside the node is not completed');
  t.same(c('s0 ip'), [[], 'ip']);
});

t.test('fixed words: link up|down, bench start|stop and its flags', async (t) => {
  t.same(c('link s1 '), [['down', 'up'], '']);
  t.same(c('link s1 d'), [['down '], 'd']);
  t.same(c('bench '), [['start', 'stop'], '']);
  t.same(c('bench sta'), [['start '], 'sta']);
  t.same(c('bench start --ra'), [['--rate '], '--ra']);
  t.same(c('bench start --rate 600 --mo'), [['--mode '], '--mo']);
  t.same(c('bench start 6'), [[], '6'], 'flags only for a word starting with -');
  t.same(c('help ki'), [['kill '], 'ki']);
});

t.test('a node list of another lab', async (t) => {
  t.same(complete('kill s1', COMMANDS, ['s1', 's10', 's11']), [['s1', 's10', 's11'], 's1']);
  t.same(complete('kill ', COMMANDS, []), [[], '']);
});

t.test('splitWords: blanks, quotes, escapes', async (t) => {
  t.same(splitWords('  exec  s0 ip -brief   addr '), ['exec', 's0', 'ip', '-brief', 'addr']);
  t.same(splitWords(`exec s0 sh -c 'echo $HOME; ls'`), ['exec', 's0', 'sh', '-c', 'echo $HOME; ls']);
  t.same(splitWords('exec s0 echo "a \\"b\\" c" d\\ e'), ['exec', 's0', 'echo', 'a "b" c', 'd e']);
  t.same(splitWords(`a '' "" b`), ['a', '', '', 'b'], 'empty quoted words are words');
  t.same(splitWords(`x"y z"'w'`), ['xy zw'], 'quotes join with what touches them');
  t.same(splitWords(''), []);
  t.same(splitWords('   '), []);
  t.throws(() => splitWords(`exec s0 echo 'oops`), UsageError);
  t.throws(() => splitWords('echo "oops'), /unmatched "/);
});
