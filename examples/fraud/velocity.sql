-- Card fraud checks over a Kafka stream of payments and a table of card
-- holders. `streamq test examples/fraud/velocity.sql` runs the tests in
-- velocity.test.json against fixture rows, without a broker.
CREATE SOURCE payments (card STRING, user_id BIGINT, amount DOUBLE, ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'payments', timestamp = 'ts', timestamp_format = 'iso8601',
        watermark_delay = '5 seconds', on_error = 'skip');
CREATE TABLE users (id BIGINT PRIMARY KEY, name STRING, country STRING)
  WITH (connector = 'kafka', topic = 'users');
CREATE SINK alerts WITH (connector = 'kafka', topic = 'alerts');
CREATE SINK foreign_payments WITH (connector = 'kafka', topic = 'foreign-payments');

-- Velocity: two or more payments of 500 or more on one card in a minute.
INSERT INTO alerts
SELECT card, COUNT(*) AS n, SUM(amount) AS total, WINDOW_START AS ws
FROM payments
WHERE amount >= 500
WINDOW TUMBLING (SIZE 1 MINUTE)
GROUP BY card
HAVING COUNT(*) >= 2;

-- Payments by card holders who live outside France, with who they are.
INSERT INTO foreign_payments
SELECT p.card, p.amount, u.name, u.country
FROM payments AS p JOIN users AS u ON p.user_id = u.id
WHERE u.country <> 'FR';
