import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AdminAuditInterceptor } from './admin-audit.interceptor';
import { AdminController } from './admin.controller';
import { ApprovalsService } from './approvals.service';
import { AuditService } from './audit.service';

/**
 * Admin operations shared by every module: the audit trail (`AuditService`, written in each admin action's
 * transaction) and four-eyes approvals (`ApprovalsService`, whose executors the owning modules register).
 * Global and dependent on no feature module, so auth, accounts and markets can all use it.
 */
@Global()
@Module({
  controllers: [AdminController],
  providers: [AuditService, ApprovalsService, { provide: APP_INTERCEPTOR, useClass: AdminAuditInterceptor }],
  exports: [AuditService, ApprovalsService],
})
export class AdminModule {}
