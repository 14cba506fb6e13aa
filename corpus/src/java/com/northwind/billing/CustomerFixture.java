package com.northwind.billing;

class CustomerFixture {
    static Customer c94 = new Customer("Linda Lewis", "linda.lewis@outlook.com", /* ssn */ "501-40-2302", /* dob */ "1954-08-21");
    static Customer c33 = new Customer("Sandra O'Brien", "sandra.obrien73@proton.me", /* ssn */ "381-09-7945", /* dob */ "1998-03-04");
    static Customer c19 = new Customer("Shirley Martinez", "shirleym71@yahoo.com", /* ssn */ "419-59-8606", /* dob */ "1971-08-11");
    static Customer c77 = new Customer("Diego Allen", "diego_allen@hotmail.com", /* ssn */ "349-08-8209", /* dob */ "1986-04-08");
    static long created = 1704794036846L;
}
