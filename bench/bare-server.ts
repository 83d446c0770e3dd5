import express from 'express';

/**
 * The baseline of bench:ingest: express parsing the same JSON and answering 200 without storing anything.
 * Prints `listening <port>` once bound.
 */
const app = express();
app.disable('x-powered-by');
app.post('/webhooks/:source', express.json({ limit: '1mb', type: () => true }), (req, res) => {
  res.status(200).json({ status: 'accepted', id: typeof req.body === 'object' ? 1 : 0 });
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
