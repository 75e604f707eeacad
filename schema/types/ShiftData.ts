import type { ShiftData } from '../../src/calls/call.js';
import { builder } from '../builder.js';

export const ShiftDataRef = builder.objectRef<ShiftData>('ShiftData').implement({
  description: 'Typed view of the shift-confirmation answers and references carried by a call.',
  fields: (t) => ({
    partnerId: t.exposeID('partnerId', { nullable: true }),
    shiftId: t.exposeID('shiftId', { nullable: true }),
    assignmentId: t.exposeID('assignmentId', { nullable: true }),
    employeeGoesToWork: t.exposeBoolean('employeeGoesToWork', {
      nullable: true,
      description: 'data.employeeGoToWork: "true"/"yes" → true, "false"/"no" → false, empty or absent → null',
    }),
    cancellationReason: t.exposeString('cancellationReason', {
      nullable: true,
      description: 'data.reasonOfCancellation; empty → null',
    }),
    newDate: t.exposeString('newDate', { nullable: true, description: 'data.newDate as sent; empty → null' }),
  }),
});
