import { graphql } from './gql/index.js';

/** Every operation the bot sends, typed by graphql-codegen's client preset from the API's schema. */

export const OpenSpikes = graphql(`
  query BotOpenSpikes($after: String) {
    openDemandSpikes(first: 50, after: $after) {
      nodes {
        id
        title
        reserveRate {
          amountMinor
          currency
        }
        intervals {
          index
          requiredSeats
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const PlaceBid = graphql(`
  mutation BotPlaceBid($input: PlaceBidInput!, $key: String!) {
    placeBid(input: $input, idempotencyKey: $key) {
      __typename
      ... on Bid {
        id
        status
      }
      ... on UserError {
        code
        message
        field
      }
    }
  }
`);

export const BidOutcomes = graphql(`
  subscription BotBidOutcomes {
    bidOutcome {
      eventId
      spikeId
      contractId
      outcome {
        bidId
        status
        reason
        awardedSeatHours
      }
    }
  }
`);

export const SpikesPosted = graphql(`
  subscription BotSpikesPosted {
    demandSpikePosted {
      eventId
      spike {
        id
        title
        reserveRate {
          amountMinor
          currency
        }
        intervals {
          index
          requiredSeats
        }
      }
    }
  }
`);

export const Contract = graphql(`
  query BotContract($id: UUID!) {
    contract(id: $id) {
      id
      endsAt
      seats {
        index
        seats
        startsAt
        endsAt
      }
    }
  }
`);

export const ReportDelivery = graphql(`
  mutation BotReportDelivery($input: ReportDeliveryInput!) {
    reportDelivery(input: $input) {
      __typename
      ... on UserError {
        code
        message
        field
      }
    }
  }
`);

export const TestClock = graphql(`
  query BotTestClock($id: UUID!) {
    testClock(sandboxId: $id) {
      time
      status
    }
  }
`);
