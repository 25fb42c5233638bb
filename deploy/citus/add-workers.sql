-- Run once as a superuser on the coordinator, in the partnerhub database, after
-- init-node.sql ran on every node. Set the variables with psql -v, for example:
--   psql -v coordinator=10.0.0.1 -v worker1=10.0.0.2 -v worker2=10.0.0.3 -v port=5432 \
--        -d partnerhub -f deploy/citus/add-workers.sql
SELECT citus_set_coordinator_host(:'coordinator', :port);
SELECT citus_add_node(:'worker1', :port);
SELECT citus_add_node(:'worker2', :port);
SELECT nodename, nodeport, isactive FROM pg_dist_node ORDER BY nodeid;
