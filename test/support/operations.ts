/** GraphQL documents used across tests, written the way a client would write them. */
const USER_ERROR = '... on UserError { __typename code message field }';
export const SPIKE_FIELDS =
  'id brandId title status channel intervalMinutes totalRequiredSeats biddingClosesAt reserveRate { amountMinor currency amount } intervals { index startsAt endsAt requiredSeats agents serviceLevelAtRequired }';
export const BID_FIELDS =
  'id spikeId vendorId status version rate { amountMinor currency } offered { index seats } minSeatsPerInterval minTotalSeatHours note submittedAt';

export const CREATE_ORG = `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { __typename ... on Organization { id name kind vendorType parentBrandId skills certifications status } ${USER_ERROR} } }`;
export const ISSUE_KEY = `mutation($input: IssueApiKeyInput!) { issueApiKey(input: $input) { __typename ... on IssuedApiKey { secret apiKey { id prefix role organizationId } } ${USER_ERROR} } }`;
export const REVOKE_KEY = `mutation($id: UUID!) { revokeApiKey(apiKeyId: $id) { id revokedAt } }`;
export const UPDATE_VENDOR = `mutation($input: UpdateVendorProfileInput!) { updateVendorProfile(input: $input) { __typename ... on Organization { id skills certifications status } ${USER_ERROR} } }`;
export const ME = `query { me { role apiKey { id prefix } organization { id name kind } } }`;
export const API_KEYS = `query($org: UUID!) { apiKeys(organizationId: $org, first: 100) { nodes { id prefix role revokedAt } } }`;

export const POST_SPIKE = `mutation($input: PostDemandSpikeInput!, $key: String) { postDemandSpike(input: $input, idempotencyKey: $key) { __typename ... on DemandSpike { ${SPIKE_FIELDS} } ${USER_ERROR} } }`;
const transition = (name: string) => `mutation($id: UUID!) { ${name}(spikeId: $id) { __typename ... on DemandSpike { id status } ${USER_ERROR} } }`;
export const PUBLISH = transition('publishDemandSpike');
export const CANCEL = transition('cancelDemandSpike');
export const CLOSE = transition('closeBidding');
export const SPIKE = `query($id: UUID!) { demandSpike(id: $id) { ${SPIKE_FIELDS} } }`;
export const SPIKES = `query($first: Int, $after: String, $status: SpikeStatus) { demandSpikes(first: $first, after: $after, status: $status) { nodes { id status brandId } pageInfo { hasNextPage endCursor } } }`;
export const OPEN_SPIKES = `query($first: Int, $after: String) { openDemandSpikes(first: $first, after: $after) { nodes { id status brandId } pageInfo { hasNextPage endCursor } } }`;

export const PLACE_BID = `mutation($input: PlaceBidInput!, $key: String!) { placeBid(input: $input, idempotencyKey: $key) { __typename ... on Bid { ${BID_FIELDS} } ... on NotEligibleError { rules { rule detail } } ${USER_ERROR} } }`;
export const REVISE_BID = `mutation($input: ReviseBidInput!) { reviseBid(input: $input) { __typename ... on Bid { ${BID_FIELDS} } ${USER_ERROR} } }`;
export const WITHDRAW_BID = `mutation($id: UUID!, $v: Int) { withdrawBid(bidId: $id, expectedVersion: $v) { __typename ... on Bid { id status version } ${USER_ERROR} } }`;
export const BID = `query($id: UUID!) { bid(id: $id) { ${BID_FIELDS} } }`;
export const MY_BIDS = `query($spikeId: UUID, $first: Int, $after: String) { myBids(spikeId: $spikeId, first: $first, after: $after) { nodes { id vendorId spikeId status } pageInfo { hasNextPage endCursor } } }`;
export const BIDS_FOR_SPIKE = `query($id: UUID!, $first: Int) { bidsForSpike(spikeId: $id, first: $first) { nodes { id vendorId status rate { amountMinor } } pageInfo { hasNextPage } } }`;

export const CLEARING_RESULT = `query($id: UUID!) { clearingResult(spikeId: $id) { spikeId status solver coveredSeatHours adjustedCost auditSha256
  intervals { index requiredSeats awardedSeats unfilledSeats highestWinningAdjustedRate serviceLevelAtAwarded serviceLevelAtRequired }
  awards { bidId vendorId index seats score adjustedRate }
  bids { bidId vendorId status reason reasonDetail score adjustedRate awardedSeatHours } } }`;
export const CLEARING_FAILURE = `query($id: UUID!) { clearingFailure(spikeId: $id) { spikeId code message attempts firstFailedAt lastFailedAt } }`;
export const AUDIT_RECORD = `query($id: UUID!) { auditRecord(spikeId: $id) { spikeId sha256 canonicalJson } }`;
export const ROUTING_PLAN = `query($id: UUID!) { routingPlan(spikeId: $id) { spikeId csv intervals { index shares { vendorId vendorName seats basisPoints } } } }`;
export const BID_OUTCOME = `query($id: UUID!) { bidOutcome(bidId: $id) { bidId vendorId status reason awardedSeatHours adjustedRate bidToBeat { index ownAdjustedRate highestWinningAdjustedRate awardedSeats } } }`;
export const CONTRACTS = `query($spikeId: UUID, $first: Int) { contracts(spikeId: $spikeId, first: $first) { nodes { id vendorId brandId status rate { amountMinor currency } totalSeatHours seats { index seats } } pageInfo { hasNextPage } } }`;
export const CONTRACT = `query($id: UUID!) { contract(id: $id) { id vendorId brandId status } }`;
export const CHANGE_CLOSE = `mutation($id: UUID!, $at: DateTimeISO!) { changeBiddingClose(spikeId: $id, biddingClosesAt: $at) { __typename ... on DemandSpike { id status biddingClosesAt } ${USER_ERROR} } }`;

const MONEY = 'amountMinor currency';
export const REPORT_DELIVERY = `mutation($input: ReportDeliveryInput!) { reportDelivery(input: $input) { __typename ... on DeliveryReceipt { contractId source accepted adjustmentDue } ... on ContactsExceedCapacityError { maxContactsHandled } ${USER_ERROR} } }`;
export const SETTLE = `mutation($id: UUID!) { settleContract(contractId: $id) { outcome invoice { id kind status net { ${MONEY} } fee { ${MONEY} } vendorPayout { ${MONEY} } } } }`;
export const INVOICE = `query($id: UUID!) { invoice(id: $id) { id number kind status originalInvoiceId net { ${MONEY} } fee { ${MONEY} } vendorPayout { ${MONEY} } paid { ${MONEY} } lines { position kind intervalIndex billableSeatHours amount { ${MONEY} } } } }`;
export const INVOICES = `query($filter: InvoiceFilterInput, $first: Int) { invoices(filter: $filter, first: $first) { nodes { id kind status brandId vendorId net { ${MONEY} } } pageInfo { hasNextPage } } }`;
export const PAY = `mutation($input: RecordPaymentInput!, $key: String!) { recordPayment(input: $input, idempotencyKey: $key) { __typename ... on Invoice { id status paid { ${MONEY} } } ${USER_ERROR} } }`;
export const BALANCES = `query($currency: String, $asOf: DateTimeISO) { ledgerBalances(currency: $currency, asOf: $asOf, first: 100) { nodes { accountId organizationId kind balance { ${MONEY} } } } }`;
export const STATEMENT = `query($id: UUID!, $from: DateTimeISO!, $to: DateTimeISO!) { accountStatement(accountId: $id, from: $from, to: $to) { opening { ${MONEY} } closing { ${MONEY} } entries { kind amount { ${MONEY} } balance { ${MONEY} } } csv } }`;
export const ACCRUALS = `query { accruals(first: 100) { nodes { contractId unsettledNet { ${MONEY} } } } }`;
export const ACCRUALS_PAGE = `query($first: Int!, $after: String) { accruals(first: $first, after: $after) {
  nodes { contractId } edges { cursor } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
export const RECONCILIATION = `query { reconciliation { balanced discrepancies sums { ${MONEY} } } }`;

export const RECORD_EVENTS = `mutation($input: RecordQualityEventsInput!) { recordQualityEvents(input: $input) { __typename
  ... on QualityEventBatchReceipt { accepted duplicates rejected receipts { index externalId status eventId rejection { code message field } } } ${USER_ERROR} } }`;
export const ROTATE_INGEST_SECRET = `mutation { rotateQualityIngestSecret { organizationId secret createdAt } }`;
const METRIC_FIELDS = 'metric value weight points samples mean priorMean effectiveWeight';
export const SCORING_POLICY = `query { scoringPolicy { version priorWeight halfLifeDays conditionalMultiplier weights { csat qa fcr adherence serviceLevel escalation complaint } } }`;
export const SET_SCORING_POLICY = `mutation($input: ScoringPolicyInput!) { setScoringPolicy(input: $input) { __typename ... on ScoringPolicy { version priorWeight halfLifeDays weights { csat qa } } ${USER_ERROR} } }`;
export const RANKINGS = `query($skill: String, $channel: Channel, $first: Int, $after: String) { vendorRankings(skill: $skill, channel: $channel, first: $first, after: $after) {
  nodes { rank vendorId vendorName vendorType composite auditState suspended samples basis } pageInfo { hasNextPage endCursor } } }`;
export const SCORECARD = `query($id: UUID!) { vendorScorecard(vendorId: $id) { vendorId vendorName composite baseComposite auditState suspended auditAt auditNotes computedAt brandAudits { brandId state occurredAt }
  metrics { ${METRIC_FIELDS} } scopes { scope composite samples } } }`;
export const SCORE_HISTORY = `query($id: UUID!, $scope: String, $first: Int, $after: String) { scoreHistory(vendorId: $id, scope: $scope, first: $first, after: $after) {
  nodes { id scope computedAt composite previousComposite auditState newObservations { metric count } metrics { ${METRIC_FIELDS} } } pageInfo { hasNextPage endCursor } } }`;

export const DEFAULT_WEIGHTS = { csat: 0.3, qa: 0.2, fcr: 0.15, adherence: 0.15, serviceLevel: 0.1, escalation: 0.1, complaint: 0 };
export const SPIKE_POSTED =
  'subscription { demandSpikePosted { eventId occurredAt spike { id brandId title status requiredSkills reserveRate { amountMinor currency } } } }';
export const BID_OUTCOMES = `subscription { bidOutcome { eventId occurredAt spikeId contractId
  outcome { bidId vendorId status reason awardedSeatHours adjustedRate bidToBeat { index ownAdjustedRate highestWinningAdjustedRate awardedSeats } } } }`;
export const CONTRACT_SETTLED = `subscription { contractSettled { eventId occurredAt settlementId sequence kind invoiceId invoiceKind
  net { ${MONEY} } fee { ${MONEY} } vendorPayout { ${MONEY} } contract { id brandId vendorId status } } }`;

const ENDPOINT_FIELDS = 'id organizationId url eventTypes description secretHint status createdAt disabledAt';
export const REGISTER_WEBHOOK = `mutation($input: RegisterWebhookEndpointInput!) { registerWebhookEndpoint(input: $input) { __typename ... on RegisteredWebhookEndpoint { signingSecret endpoint { ${ENDPOINT_FIELDS} } } ${USER_ERROR} } }`;
export const DISABLE_WEBHOOK = `mutation($id: UUID!) { disableWebhookEndpoint(endpointId: $id) { ${ENDPOINT_FIELDS} } }`;
export const WEBHOOK_ENDPOINTS = `query($org: UUID, $first: Int, $after: String) { webhookEndpoints(organizationId: $org, first: $first, after: $after) { nodes { ${ENDPOINT_FIELDS} } pageInfo { hasNextPage endCursor } } }`;
export const WEBHOOK_DELIVERIES = `query($id: UUID!, $eventId: UUID, $first: Int, $after: String) { webhookDeliveries(endpointId: $id, eventId: $eventId, first: $first, after: $after) {
  nodes { id eventId eventType endpointId attempt outcome statusCode error durationMs attemptedAt } pageInfo { hasNextPage endCursor } } }`;

// The web console's reads (issue 14).
export const SIGN_IN_LINK = 'mutation { createConsoleSignInLink { path expiresAt } }';
export const PREVIEW_STAFFING = `query($input: PreviewStaffingInput!) { previewStaffing(input: $input) { __typename
  ... on StaffingPreview { totalRequiredSeats intervals { index startsAt endsAt requiredSeats agents trafficErlangs serviceLevelAtRequired forecastContacts ahtSeconds } } ${USER_ERROR} } }`;
export const ORGANIZATIONS = `query($kind: OrganizationKind, $first: Int, $after: String) { organizations(kind: $kind, first: $first, after: $after) { nodes { id name kind } pageInfo { hasNextPage endCursor } } }`;
export const CLEARING_FAILURES = `query($first: Int) { clearingFailures(first: $first) { nodes { spikeId code message attempts } pageInfo { hasNextPage } } }`;
export const CONTRACT_NAMES = `query($id: UUID!) { contract(id: $id) { id spike { id title timeZone } brand { id name } vendor { id name } awardedValue { ${MONEY} amount } } }`;
export const INVOICE_NAMES = `query($id: UUID!) { invoice(id: $id) { id contract { id spikeId } brand { name } vendor { name } } }`;
export const AWARD_NAMES = `query($id: UUID!) { clearingResult(spikeId: $id) { awards { vendorId vendor { name } } bids { vendorId vendor { name } } } }`;
export const BID_WITH_SPIKE = `query($id: UUID!) { bid(id: $id) { id spike { id title } outcome { status reason bidToBeat { index awardedSeats } } } }`;
export const BALANCE_NAMES = `query { ledgerBalances { nodes { accountId organization { name } } } }`;
export const ACCRUAL_NAMES = `query { accruals { nodes { contractId brand { name } vendor { name } } } }`;
