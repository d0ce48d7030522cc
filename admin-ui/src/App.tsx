import { Card, CardContent, Typography } from '@mui/material';
import { Admin, Datagrid, DateField, DeleteButton, List, Resource, TextField, useGetIdentity } from 'react-admin';

import { authProvider } from './authProvider';
import { dataProvider } from './dataProvider';
import { LoginPage } from './LoginPage';

function Dashboard() {
  const { data } = useGetIdentity();
  return (
    <Card sx={{ mt: 2 }}>
      <CardContent>
        <Typography variant="h5" component="h1">
          Welcome{data?.fullName ? `, ${data.fullName}` : ''}
        </Typography>
        <Typography variant="body1" sx={{ mt: 1 }}>
          Your sessions and sign-in history are in the menu. Members, roles and the support desk arrive with their modules.
        </Typography>
      </CardContent>
    </Card>
  );
}

const SessionList = () => (
  <List pagination={false} title="Active sessions" exporter={false}>
    <Datagrid bulkActionButtons={false}>
      <TextField source="browser" />
      <TextField source="os" label="OS" />
      <TextField source="location" />
      <TextField source="ip" label="IP" />
      <DateField source="lastActiveAt" showTime label="Last active" />
      <DeleteButton label="Sign out" mutationMode="pessimistic" confirmTitle="Sign out this session?" confirmContent="" />
    </Datagrid>
  </List>
);

const LoginActivityList = () => (
  <List pagination={false} title="Login activity" exporter={false}>
    <Datagrid bulkActionButtons={false}>
      <DateField source="occurredAt" showTime label="When" />
      <TextField source="outcome" />
      <TextField source="browser" />
      <TextField source="os" label="OS" />
      <TextField source="location" />
      <TextField source="ip" label="IP" />
    </Datagrid>
  </List>
);

export function App() {
  return (
    <Admin authProvider={authProvider} dataProvider={dataProvider} loginPage={LoginPage} dashboard={Dashboard} disableTelemetry requireAuth>
      <Resource name="sessions" list={SessionList} options={{ label: 'Sessions' }} />
      <Resource name="login-activity" list={LoginActivityList} options={{ label: 'Login activity' }} />
    </Admin>
  );
}
