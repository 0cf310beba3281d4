/**
 * Asks a question on a terminal and reads one line of answer, echoed or not (a password), as
 * docker login does. The terminal is in raw mode only while a hidden answer is typed.
 */
export async function askLine(
  input: NodeJS.ReadStream,
  output: NodeJS.WritableStream,
  question: string,
  hidden: boolean,
): Promise<string> {
  output.write(question);
  input.setRawMode(true);
  input.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let answer = '';
      const onData = (chunk: Buffer) => {
        const chars = [...chunk.toString('utf8')];
        // What was typed (or pasted) past this answer is the next question's.
        const stop = (i: number) => {
          output.write('\n');
          input.off('data', onData);
          // Paused first: the next question's listener must be there when it flows again.
          input.pause();
          const rest = chars.slice(i + 1).join('');
          if (rest !== '') input.unshift(Buffer.from(rest));
        };
        for (const [i, ch] of chars.entries()) {
          if (ch === '\r' || ch === '\n') {
            stop(i);
            resolve(answer);
            return;
          }
          if (ch === '\u0003' || ch === '\u0004') {
            // Ctrl-C, Ctrl-D: the user gave up.
            stop(i);
            reject(new Error('login cancelled'));
            return;
          }
          if (ch === '\u007f' || ch === '\b') {
            if (answer.length > 0 && !hidden) output.write('\b \b');
            answer = [...answer].slice(0, -1).join('');
            continue;
          }
          answer += ch;
          if (!hidden) output.write(ch);
        }
      };
      input.on('data', onData);
    });
  } finally {
    input.setRawMode(false);
    input.pause();
  }
}
