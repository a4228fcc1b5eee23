// The manager's page, one module per tab (page.ts holds the tabs and the routes under /manager).
export { DASHBOARD_REFRESH_MS, managerPage, routeOf } from './page';
export { lastMonth, loadDashboard, type DashboardData } from './dashboard';
export { reconDifferences, reconProblem } from './settlement';
