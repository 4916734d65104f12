// The floors for GET /health in `npm run bench:gateway`: the same answer as the gateway's liveness,
// {"code":200,"success":true}, from the least a Node server can be, in a process of its own.
//   node floor-server.js express <port>   a bare Express 5 app (its defaults, one route, res.json)
//   node floor-server.js http <port>      a bare node:http server
import http from 'node:http';
import express from 'express';

const LIVE = { code: 200, success: true };
const LIVE_BODY = JSON.stringify(LIVE);

function bareExpress(): http.RequestListener {
  const app = express();
  app.get('/health', (_req, res) => {
    res.json(LIVE);
  });
  return app;
}

function bareHttp(): http.RequestListener {
  return (req, res) => {
    if (req.url !== '/health') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(LIVE_BODY) });
    res.end(LIVE_BODY);
  };
}

const [kind, portArg] = process.argv.slice(2);
const port = Number(portArg);
if ((kind !== 'express' && kind !== 'http') || !Number.isInteger(port) || port < 1) {
  process.stderr.write('usage: floor-server.js express|http <port>\n');
  process.exit(2);
}
const server = http.createServer(kind === 'express' ? bareExpress() : bareHttp());
server.listen(port, '127.0.0.1', () => process.stdout.write(`${kind} floor listening on ${port}\n`));
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
