SELECT "abc FROM x;
