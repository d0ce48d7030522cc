import { ApiKeyAccess, ApiProblem, UuidPipe, ServicePrincipal } from '@latchkey/core';
import { CurrentService, ServiceApi } from '@latchkey/service-access';
import { Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { AccountRole } from './account-role';
import { BillingService } from './billing.service';
import { AccountRoles } from './decorators/account-roles.decorator';
import { BillingSummaryDto, PutBillingSummaryDto } from './dto/billing.dto';

/** Owners and admins read the summary in account settings; members and viewers do not see it. */
@ApiTags('accounts')
@ApiKeyAccess()
@Controller('accounts')
export class AccountBillingController {
  constructor(private readonly billing: BillingService) {}

  @Get(':accountId/billing')
  @AccountRoles(AccountRole.Admin)
  @ApiOperation({
    summary: 'The billing summary the host application keeps here (admins and owners); every field null until it has pushed one',
  })
  @ApiOkResponse({ type: BillingSummaryDto })
  get(@Param('accountId', new UuidPipe('accountId')) accountId: string): Promise<BillingSummaryDto> {
    return this.billing.get(accountId);
  }
}

/** The host's billing system pushes the summary through the service API. */
@ApiTags('service: billing')
@Controller('service/accounts')
export class ServiceBillingController {
  constructor(private readonly billing: BillingService) {}

  @Put(':accountId/billing')
  @ServiceApi('billing:write')
  @ApiOperation({
    summary:
      "Set an account's billing summary: plan, seats, renewal date, payment method brand and last four digits; any other card data is refused",
  })
  @ApiOkResponse({ type: BillingSummaryDto })
  @ApiProblem(404, 'No such account')
  put(
    @CurrentService() caller: ServicePrincipal,
    @Param('accountId', new UuidPipe('accountId')) accountId: string,
    @Body() body: PutBillingSummaryDto,
  ): Promise<BillingSummaryDto> {
    return this.billing.put(accountId, body, caller.name);
  }

  @Delete(':accountId/billing')
  @HttpCode(204)
  @ServiceApi('billing:write')
  @ApiOperation({ summary: "Remove an account's billing summary" })
  @ApiNoContentResponse({ description: 'Removed (or there was none)' })
  @ApiProblem(404, 'No such account')
  async clear(@CurrentService() caller: ServicePrincipal, @Param('accountId', new UuidPipe('accountId')) accountId: string): Promise<void> {
    await this.billing.clear(accountId, caller.name);
  }
}
