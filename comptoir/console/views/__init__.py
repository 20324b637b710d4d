"""The agents' console (SPEC §4, §5): queues, ticket pages, creation on behalf, service
management and preferences. Views read through selectors and write through actions only."""
