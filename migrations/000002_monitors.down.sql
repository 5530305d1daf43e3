DROP TABLE monitors;
