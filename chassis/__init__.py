"""The microservice chassis: plumbing every service of the hall shares. No business rules live here."""
