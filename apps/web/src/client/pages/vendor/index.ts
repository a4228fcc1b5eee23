// The vendor's page, one module per concern (page.ts holds the shell and the tabs; state.ts what the modules share).
export { vendorPage } from './page';
