import { Alert, Box, Button, Stack, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';
import { useState } from 'react';
import { useNotify } from 'react-admin';
import { useSearchParams } from 'react-router-dom';

import { problem } from '../accounts/settings';
import { Schemas, api } from '../api';
import { goToProvider } from '../public/providers';
import { ConfirmButton, Loading, ProofFields, Section, useHasTwoFactor, useLoad } from './common';

type ConnectedAccount = Schemas['ConnectedAccountDto'];
type List = Schemas['ConnectedAccountListDto'];

function when(iso: string | null | undefined, never = 'Never used'): string {
  return iso ? new Date(iso).toLocaleString() : never;
}

/** The proof a link or unlink sends: nothing when the sign-in is recent (the API says REAUTH_REQUIRED otherwise). */
function proof(password: string, code: string): { password?: string; code?: string } {
  return { ...(password ? { password } : {}), ...(code.trim() ? { code: code.trim() } : {}) };
}

/**
 * My account > Connected accounts: the providers that sign you in (provider, its email, linked,
 * last used), connecting another (the provider's page, then back here) and disconnecting, both
 * after proof it is you when the sign-in is not recent. Without a password, the proof is a code
 * or signing in at a connected provider again.
 */
export function ConnectedAccountsTab() {
  const notify = useNotify();
  const [params] = useSearchParams();
  const twoFactor = useHasTwoFactor();
  const { data, error, reload } = useLoad<List>('/me/connected-accounts');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [failure, setFailure] = useState<string>();
  const [busy, setBusy] = useState(false);
  const linked = params.get('linked');
  const reauthenticated = params.get('reauthenticated');

  const connect = async (provider: string, purpose: 'link' | 'reauth') => {
    setBusy(true);
    setFailure(undefined);
    try {
      await goToProvider(() =>
        api.post('/me/connected-accounts/{provider}/start', { params: { provider }, body: { purpose, ...(purpose === 'link' ? proof(password, code) : {}) } }),
      );
    } catch (err) {
      setFailure(problem(err));
      setBusy(false);
    }
  };

  const disconnect = async (item: ConnectedAccount) => {
    setFailure(undefined);
    try {
      await api.delete('/me/connected-accounts/{id}', { params: { id: item.id }, body: proof(password, code) });
      notify(`${item.providerName} disconnected`, { type: 'success' });
      setPassword('');
      setCode('');
    } catch (err) {
      setFailure(problem(err));
    }
    reload();
  };

  return (
    <Section title="Connected accounts" id="connected-accounts">
      <Typography variant="body2" color="text.secondary" gutterBottom>
        Sign in with Google, Microsoft, GitHub or your organisation instead of a password. A connected account is your first step only: with
        two-factor authentication on, you still enter a code.
      </Typography>
      {linked && (
        <Alert severity="success" sx={{ mb: 1 }}>
          Connected. You can now sign in with it.
        </Alert>
      )}
      {reauthenticated && (
        <Alert severity="info" sx={{ mb: 1 }}>
          Confirmed it is you: you can connect or disconnect accounts for the next few minutes.
        </Alert>
      )}
      {failure && (
        <Alert severity="error" sx={{ mb: 1 }} data-testid="connected-accounts-error">
          {failure}
        </Alert>
      )}
      {!data ? (
        <Loading error={error} />
      ) : (
        <>
          {data.items.length === 0 ? (
            <Typography variant="body2">No connected accounts.</Typography>
          ) : (
            <Table size="small" aria-label="Connected accounts" data-testid="connected-account-list">
              <TableHead>
                <TableRow>
                  <TableCell>Provider</TableCell>
                  <TableCell>Email there</TableCell>
                  <TableCell>Connected</TableCell>
                  <TableCell>Last used</TableCell>
                  <TableCell />
                </TableRow>
              </TableHead>
              <TableBody>
                {data.items.map((item) => (
                  <TableRow key={item.id} data-testid="connected-account-row">
                    <TableCell>{item.providerName}</TableCell>
                    <TableCell>{item.email ?? ''}</TableCell>
                    <TableCell>{when(item.linkedAt)}</TableCell>
                    <TableCell>{when(item.lastUsedAt)}</TableCell>
                    <TableCell>
                      <Stack direction="row" spacing={1}>
                        {!data.hasPassword && (
                          <Button size="small" disabled={busy} onClick={() => void connect(item.provider, 'reauth')}>
                            Confirm it is you
                          </Button>
                        )}
                        <ConfirmButton
                          label="Disconnect"
                          title={`Disconnect ${item.providerName}?`}
                          body={`You will no longer be able to sign in with ${item.providerName}${item.email ? ` (${item.email})` : ''}.`}
                          onConfirm={() => disconnect(item)}
                        />
                      </Stack>
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
          <Box sx={{ mt: 2, maxWidth: 520 }}>
            <Typography variant="body2">
              {data.hasPassword
                ? 'If you signed in more than 5 minutes ago, confirm it is you first: your password (and a code when two-factor authentication is on).'
                : 'You have no password. If you signed in more than 5 minutes ago, confirm it is you with a code, or with "Confirm it is you" beside a connected account.'}
            </Typography>
            {data.hasPassword ? (
              <ProofFields password={password} code={code} onPassword={setPassword} onCode={setCode} withCode={twoFactor === true} />
            ) : (
              twoFactor && <ProofFields password="" code={code} onPassword={() => undefined} onCode={setCode} withCode />
            )}
            {data.available.length > 0 && (
              <Stack direction="row" spacing={1} useFlexGap sx={{ mt: 1, flexWrap: 'wrap' }} data-testid="connect-buttons">
                {data.available.map((p) => (
                  <Button key={p.id} variant="outlined" disabled={busy} onClick={() => void connect(p.id, 'link')}>
                    Connect {p.displayName}
                  </Button>
                ))}
              </Stack>
            )}
          </Box>
        </>
      )}
    </Section>
  );
}
