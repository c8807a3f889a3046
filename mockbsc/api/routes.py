"""operationId -> handler, for both contracts; the app builds its routes from these tables.

A test checks that every operation of each contract has a handler and every handler an
operation, so the contract and the code cannot drift apart.
"""

from __future__ import annotations

from mockbsc.api.handlers import control, faults, nce, orders, sandboxes, sims, sms, state, tokens
from mockbsc.api.operation import Handler

BSC_HANDLERS: dict[str, Handler] = {
    "postAccessTokenPOST": tokens.post_access_token,
    "getOrdersUsingGET": orders.get_orders,
    "postOrderUsingPOST": orders.post_order,
    "getOrderUsingGET": orders.get_order,
    "getProductsUsingGET": orders.get_products,
    "getSimsUsingGET": sims.get_sims,
    "updateSimsUsingPOST": sims.update_sims,
    "getSimUsingGET": sims.get_sim,
    "updateSimUsingPUT": sims.update_sim,
    "getStatusForSimUsingGET": sims.get_status,
    "getConnectivityInfoForSimUsingGET": sims.get_connectivity_info,
    "getEventsForSimUsingGET": sims.get_events,
    "getDataQuotaForSimUsingGET": sims.get_data_quota,
    "getSmsQuotaForSimUsingGET": sims.get_sms_quota,
    "resetConnectivityUsingPOST": sims.reset_connectivity,
    "getUsageForSimUsingGET": sims.get_usage,
    "topUpUsingPOST": sims.top_up,
    "topUpMultipleUsingPOST": sims.top_up_multiple,
    "getSmsForSimUsingGET": sms.get_sms_list,
    "sendSmsToSimUsingPOST": sms.send_sms,
    "getSmsOfSimUsingGET": sms.get_sms,
    "cancelSmsForSimUsingDELETE": sms.cancel_sms,
    # the 1NCE platform's operations (x-platform: 1nce)
    "getLimitsUsingGET": nce.get_limits,
    "setLimitsUsingPOST": nce.set_limits,
    "getSelectableLimitsUsingGET": nce.get_selectable_limits,
    "autoTopupUsingPOST": nce.auto_topup,
    "extendSimsUsingPOST": nce.extend_sims,
    "simTransferUsingPOST": nce.sim_transfer,
}

CONTROL_HANDLERS: dict[str, Handler] = {
    "health": control.health,
    "controlHealth": control.health,
    "controlApiDocs": control.api_docs,
    "resetState": control.reset_state,
    "getClock": control.get_clock,
    "advanceClock": control.advance_clock,
    "setClock": control.set_clock,
    "attachSim": control.attach_sim,
    "detachSim": control.detach_sim,
    "consumeData": control.consume_data,
    "listOrgs": control.list_orgs,
    "setSmsForwarding": control.set_sms_forwarding,
    "sendMoSms": sms.send_mo_sms,
    "listWebhookDeliveries": sms.list_webhook_deliveries,
    "listRequests": control.list_requests,
    "clearRequests": control.clear_requests,
    "listViolations": control.list_violations,
    "listFaults": faults.list_faults,
    "addFault": faults.add_fault,
    "clearFaults": faults.clear_faults,
    "getFault": faults.get_fault,
    "replaceFault": faults.replace_fault,
    "deleteFault": faults.delete_fault,
    "exportState": state.get_state,
    "importState": state.put_state,
    "listSandboxes": sandboxes.list_sandboxes,
    "createSandbox": sandboxes.create_sandbox,
    "putSandbox": sandboxes.put_sandbox,
    "getSandbox": sandboxes.get_sandbox,
    "deleteSandbox": sandboxes.delete_sandbox,
}
