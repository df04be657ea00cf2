import { graphql } from '../../gql';

/** The bid screen's documents: the spike with the vendor's bids on it, placing and withdrawing a bid. */
export const BidTarget = graphql(`
  query BidTarget($id: UUID!) {
    demandSpike(id: $id) {
      id
      title
      status
      channel
      timeZone
      intervalMinutes
      biddingClosesAt
      reserveRate {
        amountMinor
        currency
      }
      intervals {
        index
        startsAt
        requiredSeats
      }
    }
    myBids(spikeId: $id, first: 10) {
      nodes {
        id
        status
        version
        rate {
          amountMinor
          currency
        }
        offered {
          index
          seats
        }
      }
    }
  }
`);

export const PlaceBid = graphql(`
  mutation PlaceBid($input: PlaceBidInput!, $key: String!) {
    placeBid(input: $input, idempotencyKey: $key) {
      __typename
      ... on Bid {
        id
        status
      }
      ... on NotEligibleError {
        rules {
          rule
          detail
        }
      }
      ... on UserError {
        code
        message
        field
      }
    }
  }
`);

export const Withdraw = graphql(`
  mutation WithdrawBid($id: UUID!, $version: Int) {
    withdrawBid(bidId: $id, expectedVersion: $version) {
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
