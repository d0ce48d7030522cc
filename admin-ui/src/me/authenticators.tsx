import { Box, Button, IconButton, Table, TableBody, TableCell, TableHead, TableRow, TextField, Tooltip, Typography } from '@mui/material';
import { useEffect, useRef, useState } from 'react';
import { useNotify } from 'react-admin';

import { problem } from '../accounts/settings';
import { api } from '../api';
import { Loading, useLoad } from './common';
import { RemoveFactor } from './sms-setup';
import { TotpSetup } from './totp-setup';

export interface Factor {
  id: string;
  kind: string;
  name: string | null;
  createdAt: string;
  lastUsedAt: string | null;
}

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : 'never');

/** One authenticator's name, editable in place (PATCH /me/mfa/factors/{id}). */
function Rename({ factor, onDone }: { factor: Factor; onDone: () => void }) {
  const notify = useNotify();
  const [name, setName] = useState<string>();
  if (name === undefined) {
    return (
      <Tooltip title="Rename">
        <IconButton size="small" aria-label={`Rename ${factor.name}`} onClick={() => setName(factor.name ?? '')}>
          ✎
        </IconButton>
      </Tooltip>
    );
  }
  const save = async () => {
    try {
      await api(`/me/mfa/factors/${factor.id}`, { method: 'PATCH', body: { name } });
      notify('Renamed.', { type: 'success' });
      setName(undefined);
      onDone();
    } catch (err) {
      notify(problem(err), { type: 'error' });
    }
  };
  return (
    <Box component="form" sx={{ display: 'inline-flex', gap: 1 }} onSubmit={(e) => (e.preventDefault(), void save())}>
      <TextField
        size="small"
        label="New name"
        name="factor-name"
        value={name}
        onChange={(e) => setName(e.target.value)}
        slotProps={{ htmlInput: { maxLength: 64 } }}
      />
      <Button size="small" type="submit">
        Save
      </Button>
    </Box>
  );
}

/**
 * The user's authenticator apps by name (last use, rename, remove one), and adding another with a
 * name. With none yet, the plain setup (named "Authenticator app") stays the way in.
 *
 * `count` is how many the 2FA status counts: when it changes (an app added or removed here, or a
 * 2FA reset elsewhere on the page) the list loads again in place, keeping the rows on screen until
 * the new ones arrive rather than flashing a spinner.
 */
export function Authenticators({ count, onChange }: { count: number; onChange: () => void }) {
  const factors = useLoad<Factor[]>('/me/mfa/factors');
  const [adding, setAdding] = useState(false);
  const [name, setName] = useState('');
  const counted = useRef(count);
  const { reload: refetch } = factors;
  useEffect(() => {
    if (counted.current !== count) {
      counted.current = count;
      refetch();
    }
  }, [count, refetch]);
  const reload = () => {
    factors.reload();
    onChange();
  };
  if (!factors.data) {
    return <Loading error={factors.error} />;
  }
  const authenticators = factors.data.filter((f) => f.kind === 'totp');
  if (authenticators.length === 0) {
    return <TotpSetup onDone={reload} />;
  }
  return (
    <Box sx={{ my: 1 }} data-testid="authenticators">
      <Typography variant="subtitle1">Authenticator apps</Typography>
      <Table size="small">
        <TableHead>
          <TableRow>
            <TableCell>Name</TableCell>
            <TableCell>Added</TableCell>
            <TableCell>Last used</TableCell>
            <TableCell />
          </TableRow>
        </TableHead>
        <TableBody>
          {authenticators.map((f) => (
            <TableRow key={f.id} data-testid="authenticator-row">
              <TableCell>
                {f.name} <Rename factor={f} onDone={reload} />
              </TableCell>
              <TableCell>{when(f.createdAt)}</TableCell>
              <TableCell>{when(f.lastUsedAt)}</TableCell>
              <TableCell align="right">
                <RemoveFactor label={`"${f.name}"`} path={`/me/mfa/factors/${f.id}`} onDone={reload} />
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {!adding ? (
        <Button size="small" sx={{ mt: 1 }} onClick={() => setAdding(true)}>
          Add another authenticator app
        </Button>
      ) : (
        <Box sx={{ mt: 1 }}>
          <TextField
            size="small"
            label="Name of the new authenticator"
            name="authenticator-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            slotProps={{ htmlInput: { maxLength: 64 } }}
            helperText="To tell it apart, e.g. the phone or app it is on"
          />
          {name.trim() && (
            <TotpSetup
              key={name.trim()}
              name={name.trim()}
              onDone={() => {
                setAdding(false);
                setName('');
                reload();
              }}
            />
          )}
        </Box>
      )}
    </Box>
  );
}
