import * as http from 'node:http';
import { AddressInfo } from 'node:net';

export interface DiscordPost {
  path: string;
  delivery: string | undefined;
  body: { username?: string; embeds: Array<{ title: string; description: string; color: number; url?: string }> };
}

/** Discord's webhook endpoint on loopback (DISCORD_API_BASE points the app here, NODE_ENV=test only). */
export class DiscordFake {
  readonly posts: DiscordPost[] = [];
  url = '';
  private server?: http.Server;

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = (req.url ?? '').split('?')[0];
        if (req.method !== 'POST' || !/^\/api\/webhooks\/\d+\/[\w-]+$/.test(path)) {
          res.statusCode = 404;
          res.end('{}');
          return;
        }
        this.posts.push({
          path,
          delivery: req.headers['x-latchkey-delivery'] as string | undefined,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        });
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ id: String(this.posts.length) }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
