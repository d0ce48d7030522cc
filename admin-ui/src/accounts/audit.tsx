import { Datagrid, DateField, DateTimeInput, FunctionField, List, TextField, TextInput } from 'react-admin';

const filters = [
  <TextInput key="action" source="action" label="Action" placeholder="member.role_changed" alwaysOn />,
  <DateTimeInput key="from" source="from" label="From" />,
  <DateTimeInput key="to" source="to" label="To" />,
];

export function AuditLogList() {
  return (
    <List title="Audit log" filters={filters} exporter={false} sort={{ field: 'occurredAt', order: 'DESC' }}>
      <Datagrid bulkActionButtons={false} rowClick={false} empty={<p style={{ padding: 16 }}>No events recorded.</p>}>
        <DateField source="occurredAt" label="When" showTime sortable={false} />
        <TextField source="action" sortable={false} />
        <TextField source="actorUserId" label="Actor" emptyText="system" sortable={false} />
        <TextField source="subjectUserId" label="Subject" emptyText="-" sortable={false} />
        <TextField source="ip" label="IP" emptyText="-" sortable={false} />
        <FunctionField label="Details" render={(r: { metadata?: object }) => <code>{JSON.stringify(r.metadata ?? {})}</code>} />
      </Datagrid>
    </List>
  );
}
