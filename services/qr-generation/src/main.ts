import { main } from '@marketqr/service-runtime';
import { definition } from './service';

main(definition);
