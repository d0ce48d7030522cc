import { accountRouteTable } from './route-table';

describe('account route permissions', () => {
  it('matches the reviewed route → least role table (a change here is a permission change)', () => {
    expect(accountRouteTable()).toMatchSnapshot();
  });
});
