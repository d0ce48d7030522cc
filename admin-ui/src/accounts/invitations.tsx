import { Create, SelectInput, SimpleForm, TextInput, email, required } from 'react-admin';

import { ROLES } from './members';

export function InvitationCreate() {
  return (
    <Create title="Invite someone" redirect="list">
      <SimpleForm>
        <TextInput source="email" type="email" validate={[required(), email()]} />
        <SelectInput source="role" choices={ROLES} defaultValue="member" validate={required()} />
      </SimpleForm>
    </Create>
  );
}
