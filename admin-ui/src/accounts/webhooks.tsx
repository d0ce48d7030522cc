import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  Checkbox,
  Chip,
  FormControlLabel,
  FormGroup,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from '@mui/material';
import { useCallback, useEffect, useState } from 'react';
import { Title, useNotify } from 'react-admin';

import { currentAccountId } from '../account';
import { Schemas, api } from '../api';
import { problem } from './settings';

type Endpoint = Schemas['WebhookEndpointDto'];
type Delivery = Schemas['WebhookDeliveryDto'];
type EventType = NonNullable<Schemas['CreateWebhookEndpointDto']['events']>[number];

const EVENT_TYPES: Array<[EventType, string]> = [
  ['sign_in.new_device', 'Sign-in from a new device'],
  ['password.changed', 'Password changed or reset'],
  ['mfa.enabled', 'Two-factor turned on'],
  ['mfa.disabled', 'Two-factor removed'],
  ['mfa.reset_executed', 'Support reset of two-factor'],
  ['member.role_changed', 'Member role changed'],
  ['account.require_2fa_changed', 'Require-2FA changed'],
  ['api_key.created', 'API key created'],
];

/** The signing secret, shown once after adding an endpoint or rotating its secret. */
function SecretOnce({ secret, onDone }: { secret: string; onDone: () => void }) {
  return (
    <Alert severity="warning" sx={{ my: 1 }} data-testid="webhook-secret" action={<Button onClick={onDone}>Done</Button>}>
      Copy the signing secret now, it is shown only once: <code>{secret}</code>. Verify each delivery's <code>webhook-signature</code> with
      it (Standard Webhooks).
    </Alert>
  );
}

function DeliveryLog({ accountId, endpointId, refresh }: { accountId: string; endpointId: string; refresh: number }) {
  const [items, setItems] = useState<Delivery[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    api
      .get('/accounts/{accountId}/webhooks/{id}/deliveries', { params: { accountId, id: endpointId }, query: { limit: 10 } })
      .then((page) => setItems(page.items))
      .catch((err: unknown) => setError(problem(err)));
  }, [accountId, endpointId, refresh]);
  if (error) {
    return <Alert severity="error">{error}</Alert>;
  }
  if (!items) {
    return null;
  }
  if (items.length === 0) {
    return <Typography variant="body2">No deliveries yet.</Typography>;
  }
  return (
    <Table size="small" aria-label="Deliveries" data-testid="webhook-deliveries">
      <TableHead>
        <TableRow>
          <TableCell>When</TableCell>
          <TableCell>Event</TableCell>
          <TableCell>Status</TableCell>
          <TableCell>Attempts</TableCell>
          <TableCell>Last error</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {items.map((d) => (
          <TableRow key={d.id} data-testid="webhook-delivery">
            <TableCell>{new Date(d.createdAt).toLocaleString()}</TableCell>
            <TableCell>
              <code>{d.type}</code>
            </TableCell>
            <TableCell>
              <Chip
                size="small"
                label={d.status}
                color={d.status === 'delivered' ? 'success' : d.status === 'dead' ? 'error' : 'default'}
              />
            </TableCell>
            <TableCell>{d.attempts}</TableCell>
            <TableCell>{d.lastError ?? ''}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** Account owners: where security events of the account and its members are sent, signed, with a delivery log. */
export function WebhooksPage() {
  const notify = useNotify();
  const [accountId, setAccountId] = useState<string>();
  const [endpoints, setEndpoints] = useState<Endpoint[]>();
  const [error, setError] = useState<string>();
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<EventType[]>([]);
  const [secret, setSecret] = useState<string>();
  const [refresh, setRefresh] = useState(0);

  const load = useCallback(async () => {
    try {
      const id = await currentAccountId();
      setAccountId(id);
      setEndpoints((await api.get('/accounts/{accountId}/webhooks', { params: { accountId: id } })).items);
    } catch (err) {
      setError(problem(err));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const act = async (run: () => Promise<unknown>, done: string) => {
    try {
      await run();
      setError(undefined);
      notify(done, { type: 'success' });
      await load();
      setRefresh((n) => n + 1);
    } catch (err) {
      setError(problem(err));
    }
  };

  const add = () =>
    act(async () => {
      const res = await api.post('/accounts/{accountId}/webhooks', {
        params: { accountId: accountId! },
        body: { url, description, events, enabled: true },
      });
      setSecret(res.secret);
      setUrl('');
      setDescription('');
      setEvents([]);
    }, 'Endpoint added');

  return (
    <Box sx={{ mt: 2, maxWidth: 960, display: 'flex', flexDirection: 'column', gap: 2 }}>
      <Title title="Webhooks" />
      {error && <Alert severity="error">{error}</Alert>}
      {secret && <SecretOnce secret={secret} onDone={() => setSecret(undefined)} />}
      <Card>
        <CardContent>
          <Typography variant="h6" component="h2">
            Add a security webhook
          </Typography>
          <Typography variant="body2" color="text.secondary">
            Latchkey POSTs signed JSON (Standard Webhooks) to this https address when one of the events below happens in this account or to
            one of its members. Failed deliveries are retried.
          </Typography>
          <TextField
            label="Endpoint URL"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            fullWidth
            margin="normal"
            placeholder="https://hooks.example.com/latchkey"
          />
          <TextField label="Description" value={description} onChange={(e) => setDescription(e.target.value)} fullWidth margin="dense" />
          <Typography variant="subtitle2" sx={{ mt: 1 }}>
            Events (none ticked: all)
          </Typography>
          <FormGroup row>
            {EVENT_TYPES.map(([type, label]) => (
              <FormControlLabel
                key={type}
                label={label}
                control={
                  <Checkbox
                    checked={events.includes(type)}
                    onChange={(e) => setEvents((all) => (e.target.checked ? [...all, type] : all.filter((x) => x !== type)))}
                  />
                }
              />
            ))}
          </FormGroup>
          <Button variant="contained" sx={{ mt: 1 }} disabled={!url || !accountId} onClick={() => void add()}>
            Add endpoint
          </Button>
        </CardContent>
      </Card>
      {endpoints?.map((e) => (
        <Card key={e.id} data-testid="webhook-endpoint">
          <CardContent>
            <Typography variant="h6" component="h2" sx={{ wordBreak: 'break-all' }}>
              {e.url}
            </Typography>
            <Typography variant="body2" color="text.secondary">
              {e.description || 'No description'} · {e.events.length ? e.events.join(', ') : 'all events'} · {e.enabled ? 'on' : 'off'}
              {e.previousSecretValidUntil ? ` · previous secret signs until ${new Date(e.previousSecretValidUntil).toLocaleString()}` : ''}
            </Typography>
            <Box sx={{ display: 'flex', gap: 1, my: 1, flexWrap: 'wrap' }}>
              <Button
                size="small"
                variant="outlined"
                onClick={() =>
                  void act(
                    () => api.post('/accounts/{accountId}/webhooks/{id}/test', { params: { accountId: accountId!, id: e.id } }),
                    'Test event queued',
                  )
                }
              >
                Send test event
              </Button>
              <Button
                size="small"
                variant="outlined"
                onClick={() =>
                  void act(async () => {
                    const res = await api.post('/accounts/{accountId}/webhooks/{id}/rotate-secret', {
                      params: { accountId: accountId!, id: e.id },
                      body: { previousValidForMinutes: 24 * 60 },
                    });
                    setSecret(res.secret);
                  }, 'New secret issued; the old one signs for 24 hours more')
                }
              >
                Rotate secret
              </Button>
              <Button
                size="small"
                onClick={() =>
                  void act(
                    () =>
                      api.patch('/accounts/{accountId}/webhooks/{id}', {
                        params: { accountId: accountId!, id: e.id },
                        body: { enabled: !e.enabled },
                      }),
                    e.enabled ? 'Turned off' : 'Turned on',
                  )
                }
              >
                {e.enabled ? 'Turn off' : 'Turn on'}
              </Button>
              <Button
                size="small"
                color="error"
                onClick={() =>
                  void act(
                    () => api.delete('/accounts/{accountId}/webhooks/{id}', { params: { accountId: accountId!, id: e.id } }),
                    'Endpoint removed',
                  )
                }
              >
                Remove
              </Button>
              <Button size="small" onClick={() => setRefresh((n) => n + 1)}>
                Refresh log
              </Button>
            </Box>
            <Typography variant="subtitle2">Recent deliveries</Typography>
            {accountId && <DeliveryLog accountId={accountId} endpointId={e.id} refresh={refresh} />}
          </CardContent>
        </Card>
      ))}
      {endpoints?.length === 0 && <Typography color="text.secondary">No endpoints yet.</Typography>}
    </Box>
  );
}
