DROP TABLE grafana_orgs;
