import { Alert, Box, Typography } from '@mui/material';
import { useCallback, useEffect, useState } from 'react';
import { Title, useNotify } from 'react-admin';

import { currentAccountId } from '../account';
import { Schemas, api } from '../api';
import { KeyTable } from '../me/api-keys';
import { Loading } from '../me/common';
import { problem } from './settings';

/** Owners: the API keys bound to this account, whoever created them, and revoking them. */
export function AccountApiKeysPage() {
  const notify = useNotify();
  const [accountId, setAccountId] = useState<string>();
  const [items, setItems] = useState<Array<Schemas['ApiKeyDto']>>();
  const [error, setError] = useState<string>();
  const load = useCallback(async () => {
    try {
      const id = await currentAccountId();
      setAccountId(id);
      setItems((await api.get('/accounts/{accountId}/api-keys', { params: { accountId: id } })).items);
    } catch (err) {
      setError(problem(err));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <Box sx={{ mt: 2, maxWidth: 1100 }}>
      <Title title="API keys" />
      <Typography variant="body2" color="text.secondary" gutterBottom>
        Keys your members created for this account. Each acts with the lower of its cap and its user&apos;s role; revoking one stops it at
        once.
      </Typography>
      {error && <Alert severity="error">{error}</Alert>}
      {items ? (
        <KeyTable
          items={items}
          showUser
          onRevoke={async (k) => {
            try {
              await api.delete('/accounts/{accountId}/api-keys/{id}', { params: { accountId: accountId!, id: k.id } });
              notify('API key revoked', { type: 'success' });
            } catch (err) {
              notify(problem(err), { type: 'error' });
            }
            await load();
          }}
        />
      ) : (
        !error && <Loading />
      )}
    </Box>
  );
}
