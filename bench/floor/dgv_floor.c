/* Copied from the team's shared bench folder, ../shared/bench/dgv_floor.c, 2026-12-07 (a clone of this
   repository has no ../shared). Built and run by bench/pricing.bench.ts beside varDgvUs of bench/var.bench.ts.
   Known simplifications, both making the floor do slightly less work than ours (the ratio errs against us):
   pnl[5] after nth(pnl,S,12) is one of the 13 worst P&Ls, not exactly the 6th worst (the VaR rank), and the
   ES sums the 13 in full instead of 12 plus half the 13th (Acerbi-Tasche, src/engine/risk/tail-risk.ts). */
/* Floor for delta-gamma-vega VaR and ES of 100 positions on 6 underlyings x 500 scenarios (the bench:pricing book): the P&L of every scenario from each
   underlying's return and vol shift (Greeks summed per underlying first), then the 99% loss quantile by nth-element. Prints us_per_var. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#define P 100
#define S 500
#define U 6
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static void nth(double*a,int n,int k){int l=0,r=n-1;while(l<r){double x=a[k];int i=l,j=r;do{while(a[i]<x)i++;while(x<a[j])j--;if(i<=j){double t=a[i];a[i]=a[j];a[j]=t;i++;j--;}}while(i<=j);if(j<k)l=i;if(k<i)r=j;}}
int main(int argc,char**argv){
  int reps=argc>1?atoi(argv[1]):20000; srand(7);
  static double ret[U][S],dv[U][S],pnl[S]; double d[P],g[P],v[P],spot[U]; int und[P];
  for(int u=0;u<U;u++){spot[u]=50+rand()%400;for(int s=0;s<S;s++){ret[u][s]=(rand()/(double)RAND_MAX-0.5)*0.08;dv[u][s]=(rand()/(double)RAND_MAX-0.5)*0.02;}}
  for(int p=0;p<P;p++){und[p]=p%U;d[p]=rand()%200-100;g[p]=(rand()%100)/10.0;v[p]=rand()%500;}
  double sink=0,t0=now();
  for(int r=0;r<reps;r++){
    for(int s=0;s<S;s++)pnl[s]=0;
    double ad[U]={0},ag[U]={0},av[U]={0};
    for(int p=0;p<P;p++){ad[und[p]]+=d[p];ag[und[p]]+=0.5*g[p];av[und[p]]+=v[p];}
    for(int u=0;u<U;u++){double S0=spot[u],dd=ad[u],gg=ag[u],vv=av[u];const double*restrict R=ret[u],*restrict V=dv[u];
      for(int s=0;s<S;s++){double ds=S0*R[s];pnl[s]+=dd*ds+gg*ds*ds+vv*V[s];}}
    nth(pnl,S,12);double es=0;for(int k=0;k<13;k++)es+=pnl[k];sink+=pnl[5]+es;spot[r%U]+=1e-9;
  }
  double t=now()-t0; printf("us_per_var=%.3f sink=%g\n",t/reps*1e6,sink); return 0;}
