import { initAll } from '../../vendor/js/govuk-frontend.min.js';
initAll();
