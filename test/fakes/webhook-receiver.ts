import * as http from 'node:http';
import { AddressInfo } from 'node:net';

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Path and query the request was sent to. */
  path: string;
  json: { type: string; timestamp: string; data: Record<string, unknown> };
}

/** A webhook receiver on loopback: records every request and answers what `answers` says (200 when empty). */
export class WebhookReceiver {
  readonly received: Received[] = [];
  answers: number[] = [];
  private server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      this.received.push({ headers: req.headers, body, path: req.url ?? '', json: JSON.parse(body) });
      res.statusCode = this.answers.shift() ?? 200;
      res.end();
    });
  });
  url = '';

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
    return this;
  }

  ofType(type: string): Received[] {
    return this.received.filter((r) => r.json.type === type);
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}
