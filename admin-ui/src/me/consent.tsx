import { Alert, FormControlLabel, Switch, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';
import { useState } from 'react';

import { problem } from '../accounts/settings';
import { Schemas, api } from '../api';
import { Loading, Section, useLoad } from './common';

type Settings = Schemas['PrivacySettingsDto'];
type ConsentEntry = Schemas['ConsentRecordDto'];

const WHAT: { [P in ConsentEntry['purpose']]: [granted: string, withdrawn: string] } = {
  analytics: ['Usage analytics allowed', 'Opted out of usage analytics'],
  marketing_email: ['Agreed to marketing email', 'Withdrew marketing email consent'],
};
const SOURCE: { [S in ConsentEntry['source']]: string } = { console: 'console', api: 'API', host: 'the application' };

/** Privacy choices (analytics opt-out, marketing mail) and the record of every change. */
export function ConsentSection() {
  const settings = useLoad<Settings>('/me/privacy');
  const history = useLoad<{ items: ConsentEntry[] }>('/me/consents?limit=20');
  // The switch moves at once; the saved answer replaces it, a refusal puts back what is saved.
  const [shown, setShown] = useState<Settings>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const s = shown ?? settings.data;
  const change = async (body: Partial<Pick<Settings, 'analyticsOptOut' | 'marketingEmail'>>) => {
    if (!s) {
      return;
    }
    setShown({ ...s, ...body });
    setBusy(true);
    try {
      setShown(await api<Settings>('/me/privacy', { method: 'PUT', body }));
      setError(undefined);
      history.reload();
    } catch (err) {
      setShown(undefined);
      setError(problem(err));
      settings.reload();
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section title="Privacy choices" id="privacy-choices">
      {!s ? (
        <Loading error={settings.error} />
      ) : (
        <>
          <FormControlLabel
            control={<Switch checked={!s.analyticsOptOut} disabled={busy} onChange={(e) => void change({ analyticsOptOut: !e.target.checked })} />}
            label="Anonymous usage analytics"
          />
          <Typography variant="body2" color="text.secondary" sx={{ ml: 6, mb: 1 }}>
            Helps improve the product; no personal data is shared. On unless you turn it off.
          </Typography>
          <FormControlLabel
            control={<Switch checked={s.marketingEmail} disabled={busy} onChange={(e) => void change({ marketingEmail: e.target.checked })} />}
            label="Marketing emails"
          />
          <Typography variant="body2" color="text.secondary" sx={{ ml: 6, mb: 1 }}>
            Tips, best practices and offers. Off until you agree; security and account emails are sent either way.
          </Typography>
        </>
      )}
      {error && (
        <Alert severity="error" sx={{ my: 1 }}>
          {error}
        </Alert>
      )}
      <Typography variant="subtitle2" sx={{ mt: 2 }}>
        History
      </Typography>
      {history.data && history.data.items.length === 0 && (
        <Typography variant="body2" color="text.secondary">
          No change yet: the defaults apply.
        </Typography>
      )}
      {history.data && history.data.items.length > 0 && (
        <Table size="small" data-testid="consent-history">
          <TableHead>
            <TableRow>
              <TableCell>When</TableCell>
              <TableCell>Change</TableCell>
              <TableCell>From</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {history.data.items.map((r) => (
              <TableRow key={r.id}>
                <TableCell>{new Date(r.occurredAt).toLocaleString()}</TableCell>
                <TableCell>{WHAT[r.purpose][r.granted ? 0 : 1]}</TableCell>
                <TableCell>
                  {SOURCE[r.source]}
                  {r.ip ? `, ${r.ip}` : ''}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Section>
  );
}
