-- The totesys OLTP schema, as in the public dump of the real database: text columns,
-- timestamp(3) without time zone, money as numeric(10,2), enums for the payment and
-- transaction types. Used by `deliverance seed` and the tests to build a source database.

CREATE TYPE payment_type_name AS ENUM ('SALES_RECEIPT', 'SALES_REFUND', 'PURCHASE_PAYMENT', 'PURCHASE_REFUND');
CREATE TYPE transaction_type AS ENUM ('SALE', 'PURCHASE');

CREATE TABLE address (
  address_id serial PRIMARY KEY,
  address_line_1 text NOT NULL,
  address_line_2 text,
  district text,
  city text NOT NULL,
  postal_code text NOT NULL,
  country text NOT NULL,
  phone text NOT NULL,
  created_at timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  last_updated timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE counterparty (
  counterparty_id serial PRIMARY KEY,
  counterparty_legal_name text NOT NULL,
  legal_address_id int NOT NULL REFERENCES address (address_id),
  commercial_contact text,
  delivery_contact text,
  created_at timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  last_updated timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE currency (
  currency_id serial PRIMARY KEY,
  currency_code text NOT NULL,
  created_at timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  last_updated timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE department (
  department_id serial PRIMARY KEY,
  department_name text NOT NULL,
  location text,
  manager text,
  created_at timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  last_updated timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE design (
  design_id serial PRIMARY KEY,
  design_name text NOT NULL,
  file_location text NOT NULL,
  file_name text NOT NULL,
  created_at timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  last_updated timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE payment_type (
  payment_type_id serial PRIMARY KEY,
  payment_type_name payment_type_name NOT NULL,
  created_at timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  last_updated timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE staff (
  staff_id serial PRIMARY KEY,
  first_name text NOT NULL,
  last_name text NOT NULL,
  department_id int NOT NULL REFERENCES department (department_id),
  email_address text NOT NULL,
  created_at timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  last_updated timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE sales_order (
  sales_order_id serial PRIMARY KEY,
  design_id int NOT NULL REFERENCES design (design_id),
  staff_id int NOT NULL REFERENCES staff (staff_id),
  counterparty_id int NOT NULL REFERENCES counterparty (counterparty_id),
  units_sold int NOT NULL,
  unit_price numeric(10, 2) NOT NULL,
  currency_id int NOT NULL REFERENCES currency (currency_id),
  agreed_delivery_date text NOT NULL,
  agreed_payment_date text NOT NULL,
  agreed_delivery_location_id int NOT NULL REFERENCES address (address_id),
  created_at timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  last_updated timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE purchase_order (
  purchase_order_id serial PRIMARY KEY,
  staff_id int NOT NULL REFERENCES staff (staff_id),
  counterparty_id int NOT NULL REFERENCES counterparty (counterparty_id),
  item_code text NOT NULL,
  item_quantity int NOT NULL,
  item_unit_price numeric NOT NULL,
  currency_id int NOT NULL REFERENCES currency (currency_id),
  agreed_delivery_date text NOT NULL,
  agreed_payment_date text NOT NULL,
  agreed_delivery_location_id int NOT NULL REFERENCES address (address_id),
  created_at timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  last_updated timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE transaction (
  transaction_id serial PRIMARY KEY,
  transaction_type transaction_type NOT NULL,
  sales_order_id int UNIQUE REFERENCES sales_order (sales_order_id),
  purchase_order_id int UNIQUE REFERENCES purchase_order (purchase_order_id),
  created_at timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  last_updated timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE payment (
  payment_id serial PRIMARY KEY,
  transaction_id int NOT NULL UNIQUE REFERENCES transaction (transaction_id),
  counterparty_id int NOT NULL REFERENCES counterparty (counterparty_id),
  payment_amount numeric NOT NULL,
  currency_id int NOT NULL REFERENCES currency (currency_id),
  payment_type_id int NOT NULL REFERENCES payment_type (payment_type_id),
  paid boolean NOT NULL,
  payment_date text NOT NULL,
  company_ac_number int NOT NULL,
  counterparty_ac_number int NOT NULL,
  created_at timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  last_updated timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- The ingest reads every table by last_updated; without these a scale-100 incremental run
-- would scan the million-row tables every five minutes.
CREATE INDEX ON sales_order (last_updated);
CREATE INDEX ON purchase_order (last_updated);
CREATE INDEX ON transaction (last_updated);
CREATE INDEX ON payment (last_updated);
