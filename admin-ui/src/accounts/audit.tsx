import { Typography } from '@mui/material';
import { Datagrid, DateField, DateTimeInput, FunctionField, List, SelectInput } from 'react-admin';

import { AUDIT_WORDS, AuditEntryLike, describeAuditEntry } from './audit-words';

interface Entry extends AuditEntryLike {
  id: string;
  occurredAt: string;
  ip: string | null;
}

/** The filter offers the actions an account's log holds, in words. */
const ACCOUNT_ACTIONS = Object.keys(AUDIT_WORDS)
  .filter((a) => /^(account|member|invitation)\./.test(a) || a === 'user.password_reset_sent')
  .map((id) => ({ id, name: id.replace(/^[a-z]+\./, '').replace(/_/g, ' ') }));

const filters = [
  <SelectInput key="action" source="action" label="Action" choices={ACCOUNT_ACTIONS} alwaysOn />,
  <DateTimeInput key="from" source="from" label="From" />,
  <DateTimeInput key="to" source="to" label="To" />,
];

export function AuditLogList() {
  return (
    <List title="Audit log" filters={filters} exporter={false} sort={{ field: 'occurredAt', order: 'DESC' }}>
      <Datagrid bulkActionButtons={false} rowClick={false} empty={<p style={{ padding: 16 }}>No events recorded.</p>}>
        <DateField source="occurredAt" label="When" showTime sortable={false} />
        <FunctionField
          label="What happened"
          render={(e: Entry) => (
            <Typography variant="body2" data-testid="audit-sentence" title={e.action}>
              {describeAuditEntry(e)}
            </Typography>
          )}
        />
        <FunctionField label="IP" render={(e: Entry) => e.ip ?? '-'} />
      </Datagrid>
    </List>
  );
}
