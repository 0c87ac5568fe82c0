// A counting SMTP sink in its own process for the newsletter benchmark: prints its port, then the count on SIGTERM.
import { SMTPServer } from 'smtp-server';
let total = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  maxClients: 1000,
  onData(stream, _session, cb) {
    stream.on('data', () => {});
    stream.on('end', () => {
      total++;
      cb();
    });
  },
});
server.server.on('connection', (s: import('node:net').Socket) => s.setNoDelay(true));
server.listen(0, '127.0.0.1', () =>
  console.log(`port ${(server.server.address() as { port: number }).port}`),
);
process.on('message', () =>
  process.send?.({ total, cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000 }),
);
setInterval(() => {}, 1 << 30);
