import { graphql } from '../../gql';

export const Sandboxes = graphql(`
  query Sandboxes {
    sandboxes(first: 20) {
      nodes {
        id
        name
        clockTime
        createdAt
      }
    }
  }
`);

export const TestClock = graphql(`
  query TestClock($id: UUID!) {
    testClock(sandboxId: $id) {
      sandboxId
      time
      status
    }
  }
`);

export const SandboxBanner = graphql(`
  query SandboxBanner($id: UUID!) {
    sandboxes(first: 1) {
      nodes {
        id
        name
      }
    }
    testClock(sandboxId: $id) {
      sandboxId
      time
      status
    }
  }
`);

export const CreateSandbox = graphql(`
  mutation CreateSandbox($input: CreateSandboxInput) {
    createSandbox(input: $input) {
      __typename
      ... on CreatedSandbox {
        sandbox {
          id
          name
          clockTime
        }
        organizations {
          part
          organization {
            id
            name
          }
          keys {
            id
            role
            secret
          }
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

export const AdvanceTestClock = graphql(`
  mutation AdvanceTestClock($id: UUID!, $to: DateTimeISO!) {
    advanceTestClock(sandboxId: $id, to: $to) {
      __typename
      ... on TestClock {
        sandboxId
        time
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

export const DeleteSandbox = graphql(`
  mutation DeleteSandbox($id: UUID!) {
    deleteSandbox(sandboxId: $id) {
      id
      deletedAt
    }
  }
`);

/** Tells the sandbox banner that the clock moved, so it reads it again at once. */
export const CLOCK_MOVED = 'bx:clock-moved';
